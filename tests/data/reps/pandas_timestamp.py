from zoneinfo import ZoneInfo as _ZoneInfo
from archived.reps import timestamp as _timestamp
from archived.reps import not_a_time as _not_a_time
value = [
    _timestamp(
        utc='2026-01-02T02:04:05.123456789',
        unit='ns',
        tz=_ZoneInfo('Europe/Paris'),
    ),
    _timestamp('2026-01-02T00:00:00', 's'),
    _not_a_time(),
]
del _ZoneInfo, _timestamp, _not_a_time
if __name__ == 'builtins':
    del __builtins__
