"""oslo-config-generator produces the samples from the entry points in code."""

import subprocess
import sys


def test_config_generator_emits_compute_sample_without_database(tmp_path):
    out = tmp_path / 'compute.conf'
    subprocess.run([sys.executable, '-m', 'oslo_config.generator',
                    '--namespace', 'cepheid.common', '--namespace', 'cepheid.compute',
                    '--output-file', str(out)], check=True)
    text = out.read_text()
    assert '[libvirt]' in text and '#compute_driver = fake' in text
    assert '[database]' not in text
