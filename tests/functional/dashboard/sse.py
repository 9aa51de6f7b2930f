"""A test client of /dashboard/api/events: reads the stream in a thread, keeps the events."""

import http.client
import json
import threading
import urllib.parse


class EventStream:
    def __init__(self, base_url, token):
        url = urllib.parse.urlsplit(base_url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.conn.request('GET', '/dashboard/api/events', headers={'X-Auth-Token': token})
        self.response = self.conn.getresponse()
        self.events = []          # (event, data)
        self.comments = []        # the stream's comment lines (``: ...``)
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        if self.response.status == 200:
            self._thread.start()

    def _read(self):
        event, data = 'message', ''
        try:
            for raw in self.response:
                line = raw.decode().rstrip('\n')
                if line.startswith(':'):
                    with self._cond:
                        self.comments.append(line[1:].strip())
                        self._cond.notify_all()
                elif line.startswith('event: '):
                    event = line[7:]
                elif line.startswith('data: '):
                    data += line[6:]
                elif not line:
                    if data:
                        with self._cond:
                            self.events.append((event, json.loads(data)))
                            self._cond.notify_all()
                    event, data = 'message', ''
        except (OSError, ValueError):
            pass
        with self._cond:
            self.events.append(('end', None))
            self._cond.notify_all()

    def wait_for(self, predicate, timeout=20):
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.events), timeout):
                raise TimeoutError(f'not seen; events: {self.events}')
            return list(self.events)

    def worker(self, timeout=20):
        """The api worker slot serving this stream (from its first comment)."""
        with self._cond:
            self._cond.wait_for(lambda: self.comments, timeout)
            return self.comments[0].rsplit(' ', 1)[-1]

    def instances(self, uuid):
        with self._cond:
            return [d for e, d in self.events if e == 'instance' and d['uuid'] == uuid]

    def close(self):
        self.conn.close()
