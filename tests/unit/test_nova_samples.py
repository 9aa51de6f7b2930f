"""The conformance comparer itself: every Nova sample passes its own comparison and every
deliberately broken copy fails, so the conformance suites cannot pass vacuously."""

import copy

import pytest

from tests.fixtures import nova_samples

CORPUS = nova_samples.Corpus()


def test_the_samples_are_in_the_repository():
    assert nova_samples.SAMPLES_DIR.is_relative_to(nova_samples.pathlib.Path(__file__).parents[1])
    assert len(CORPUS.samples) > 100
    assert (nova_samples.SAMPLES_DIR / 'README.md').read_text().count('Apache')


@pytest.mark.parametrize('stem', sorted(CORPUS.samples))
def test_every_sample_passes_its_own_comparison(stem):
    sample = CORPUS.samples[stem]
    assert CORPUS.compare(copy.deepcopy(sample), sample=sample) == []


def _data(message):
    return message['payload']['nova_object.data']


def _set(key, value):
    def mutate(message):
        _data(message)[key] = value
    return mutate


def _drop(key):
    def mutate(message):
        del _data(message)[key]
    return mutate


def _flavor(mutation):
    def mutate(message):
        mutation({'payload': _data(message)['flavor']})
    return mutate


def _envelope(key, value):
    def mutate(message):
        message[key] = value
    return mutate


def _payload(key, value):
    def mutate(message):
        message['payload'][key] = value
    return mutate


# (what is broken, how, a word the difference must name)
BREAKAGES = [
    ('a missing key', _drop('uuid'), 'payload.uuid: missing'),
    ('an extra key', _set('power_state_code', 1), 'power_state_code: not in'),
    ('another version', _payload('nova_object.version', '1.8'), 'nova_object.version'),
    ('another namespace', _payload('nova_object.namespace', 'cepheid'), 'namespace'),
    ('a nested missing key', _flavor(_drop('vcpu_weight')), 'flavor.vcpu_weight: missing'),
    ('a nested wrong version', _flavor(_payload('nova_object.version', '1.3')),
     'flavor.nova_object.version'),
    ('microseconds, no zone', _set('created_at', '2012-10-29T13:42:11.416557'), 'created_at'),
    ('a space, not T', _set('updated_at', '2012-10-29 13:42:11Z'), 'updated_at'),
    ('a bool as a string', _set('locked', 'false'), 'locked'),
    ('null where Nova never is', _set('metadata', None), 'metadata'),
    ('null uuid', _set('uuid', None), 'uuid'),
    ('an int power state', _set('power_state', 1), 'power_state'),
    ('a state outside Nova\'s', _set('state', 'running'), 'state'),
    ('a task state outside Nova\'s', _set('task_state', 'rebooting-hard'), 'task_state'),
    ('a dict for a list', _set('ip_addresses', {}), 'ip_addresses'),
    ('a metadata value not a string', _set('metadata', {'a': 1}), 'metadata'),
    ('another priority', _envelope('priority', 'WARN'), 'priority'),
    ('a publisher without host', _envelope('publisher_id', 'nova-compute'), 'publisher_id'),
    ('the cepheid binary', _envelope('publisher_id', 'cepheid-compute:h'), 'publisher_id'),
    ('a dotted legacy publisher', _envelope('publisher_id', 'compute.h'), 'publisher_id'),
    ('no envelope', _envelope('payload', {'uuid': 'x'}), 'envelope'),
]
BROKEN_SAMPLES = ['instance-reboot-error', 'instance-create-end', 'instance-delete-end',
                  'instance-pause-start']


@pytest.mark.parametrize('stem', BROKEN_SAMPLES)
@pytest.mark.parametrize('what,mutate,named', BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_broken_copy_fails(stem, what, mutate, named):
    sample = CORPUS.samples[stem]
    broken = copy.deepcopy(sample)
    mutate(broken)
    diffs = CORPUS.compare(broken, sample=sample)
    assert any(named in d for d in diffs), diffs


def test_api_publisher_must_name_the_api_binary():
    lock = copy.deepcopy(CORPUS.samples['instance-lock'])
    lock['publisher_id'] = 'nova-compute:fake-mini'
    assert CORPUS.compare(lock) == [
        "publisher_id: 'nova-compute:fake-mini' is not nova-api:<host>"]
    lock['publisher_id'] = 'cepheid-api:api1'
    assert CORPUS.compare(lock, binary_prefix='cepheid') == []


def test_a_nested_fault_object_is_compared():
    error = copy.deepcopy(CORPUS.samples['instance-reboot-error'])
    del _data(error)['fault']['nova_object.data']['traceback']
    assert CORPUS.compare(error) == ['payload.fault.traceback: missing']


def test_an_error_without_a_nova_sample_takes_reboot_errors_shape():
    error = copy.deepcopy(CORPUS.samples['instance-reboot-error'])
    error['event_type'] = 'instance.pause.error'
    assert CORPUS.compare(error) == []
    with pytest.raises(KeyError):
        CORPUS.sample('instance.frobnicate.end')


def test_legacy_and_context_checks_name_what_is_missing():
    assert nova_samples.compare_context({'user_id': 'u'})[:1] == ['context.auth_token: missing']
    message = {'priority': 'INFO', 'publisher_id': 'compute.h',
               'event_type': 'compute.instance.reboot.end',
               'payload': dict.fromkeys(nova_samples.LEGACY_KEYS | {'locked'})}
    assert nova_samples.compare_legacy(message) == ["payload.locked: not in Nova's"]
    message['event_type'] = 'compute.instance.reboot.error'
    assert nova_samples.compare_legacy(message) == [
        "priority: 'INFO', Nova: 'ERROR'", 'payload.code: missing', 'payload.message: missing',
        "payload.locked: not in Nova's"]
