"""Timeline entries packed into a few dozen bytes each (the hub keeps tens of thousands).

A timeline entry is a small flat dict (``time``, ``source``, ``what``, states, ``locked``,
``request_id``). As Python dicts they cost ~1 KB each (every value decoded from a message
is a string of its own); packed, a notification's entry takes ~45 bytes: Nova's timestamp
as microseconds, ``req-<uuid>`` as its 16 bytes, the values that repeat (states, event
types, sources) as a 2-byte code into one table. Any other value is kept as is (strings
as UTF-8, anything else as JSON), so ``unpack(pack(entry)) == entry`` for every JSON-able
flat dict.
"""

import datetime
import json
import re
import struct
import threading
import uuid

# Keys whose values repeat across instances: coded through the table (bounded in size).
REPEATED_KEYS = frozenset(('source', 'what', 'task_state', 'vm_state', 'power_state'))
TABLE_LIMIT = 4096

_TIME = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z')
_REQ = re.compile(r'req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z')
_EPOCH = datetime.datetime(1970, 1, 1)
_ONE_US = datetime.timedelta(microseconds=1)

NONE, FALSE, TRUE, CODE, TIME, REQ, TEXT, INT, JSON = range(9)
_H = struct.Struct('<H')
_Q = struct.Struct('<q')
_I = struct.Struct('<I')


def _micros(text):
    """Microseconds since the epoch of ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; None if no date."""
    try:
        return (datetime.datetime.fromisoformat(text[:-1]) - _EPOCH) // _ONE_US
    except ValueError:
        return None


class Codec:
    """``pack(entry) -> bytes`` and ``unpack(bytes) -> dict``; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._strings = []      # code -> string
        self._codes = {}        # string -> code
        self._shapes = []       # shape id -> tuple of keys
        self._shape_ids = {}

    def _code(self, text):
        code = self._codes.get(text)
        if code is None:
            with self._lock:
                code = self._codes.get(text)
                if code is None and len(self._strings) < TABLE_LIMIT:
                    code = self._codes[text] = len(self._strings)
                    self._strings.append(text)
        return code

    def _shape(self, keys):
        shape = self._shape_ids.get(keys)
        if shape is None:
            with self._lock:
                shape = self._shape_ids.get(keys)
                if shape is None:
                    shape = self._shape_ids[keys] = len(self._shapes)
                    self._shapes.append(keys)
        return shape

    def pack(self, entry):
        parts = [_H.pack(self._shape(tuple(entry)))]
        for key, value in entry.items():
            parts.append(self._value(key, value))
        return b''.join(parts)

    def _value(self, key, value):
        if value is None or value is False or value is True:
            return bytes((NONE if value is None else TRUE if value else FALSE,))
        if type(value) is str:
            if key in REPEATED_KEYS and (code := self._code(value)) is not None:
                return bytes((CODE,)) + _H.pack(code)
            if _TIME.match(value) and (micros := _micros(value)) is not None:
                return bytes((TIME,)) + _Q.pack(micros)
            if _REQ.match(value):
                return bytes((REQ,)) + uuid.UUID(value[4:]).bytes
            return self._blob(TEXT, value.encode())
        if type(value) is int and -2 ** 63 <= value < 2 ** 63:
            return bytes((INT,)) + _Q.pack(value)
        return self._blob(JSON, json.dumps(value).encode())

    @staticmethod
    def _blob(tag, data):
        return bytes((tag,)) + _I.pack(len(data)) + data

    def unpack(self, data):
        (shape,) = _H.unpack_from(data, 0)
        pos, entry = 2, {}
        for key in self._shapes[shape]:
            entry[key], pos = self._read(data, pos)
        return entry

    def _read(self, data, pos):
        tag, pos = data[pos], pos + 1
        if tag <= TRUE:
            return (None, False, True)[tag], pos
        if tag == CODE:
            return self._strings[_H.unpack_from(data, pos)[0]], pos + 2
        if tag == TIME:
            when = _EPOCH + _Q.unpack_from(data, pos)[0] * _ONE_US
            return when.isoformat(timespec='microseconds') + 'Z', pos + 8
        if tag == REQ:
            return f'req-{uuid.UUID(bytes=bytes(data[pos:pos + 16]))}', pos + 16
        if tag == INT:
            return _Q.unpack_from(data, pos)[0], pos + 8
        (size,) = _I.unpack_from(data, pos)
        raw = bytes(data[pos + 4:pos + 4 + size])
        return (raw.decode() if tag == TEXT else json.loads(raw)), pos + 4 + size

    def intern(self, key, value):
        """``value`` itself, or the table's equal string (one object shared by all)."""
        if type(value) is str and key in REPEATED_KEYS:
            code = self._code(value)
            if code is not None:
                return self._strings[code]
        return value


class Timeline:
    """One instance's newest entries (at most ``length``), packed end to end in one buffer
    (each entry after its 4-byte size)."""

    __slots__ = ('count', 'buf')

    def __init__(self):
        self.count = 0
        self.buf = bytearray()

    def append(self, packed, length):
        self.buf += _I.pack(len(packed)) + packed
        self.count += 1
        if self.count > length:
            (size,) = _I.unpack_from(self.buf, 0)
            del self.buf[:4 + size]
            self.count -= 1

    def entries(self):
        """The packed entries, oldest first."""
        pos, out = 0, []
        while pos < len(self.buf):
            (size,) = _I.unpack_from(self.buf, pos)
            out.append(self.buf[pos + 4:pos + 4 + size])
            pos += 4 + size
        return out
