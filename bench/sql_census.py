"""What the database was asked during a measured run: statements by shape, and commits."""

import collections
import functools

import sqlalchemy as sa


def _table(word):
    return word.strip('"')


@functools.lru_cache(maxsize=4096)     # a run sends few distinct strings, many times
def statement_shape(statement):
    """``'UPDATE instances'``, ``'SELECT instance_actions'``...: the verb and first table."""
    words = statement.split()
    verb = words[0].upper() if words else ''
    if verb == 'SELECT':
        upper = [w.upper() for w in words]
        table = words[upper.index('FROM') + 1] if 'FROM' in upper[:-1] else '?'
        return f'SELECT {_table(table)}'
    if verb in ('INSERT', 'DELETE') and len(words) > 2:
        return f'{verb} {_table(words[2])}'
    if verb == 'UPDATE' and len(words) > 1:
        return f'UPDATE {_table(words[1])}'
    return verb


class SqlCounter:
    """Counts the statements (by shape) and commits of an engine."""

    def __init__(self, engine):
        self.statements = self.commits = 0
        self.shapes = collections.Counter()
        sa.event.listen(engine, 'before_cursor_execute', self._statement)
        sa.event.listen(engine, 'commit', self._commit)

    def _statement(self, conn, cursor, statement, *args):
        self.statements += 1
        self.shapes[statement_shape(statement)] += 1

    def _commit(self, *args):
        self.commits += 1
