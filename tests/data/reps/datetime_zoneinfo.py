from zoneinfo import ZoneInfo as _ZoneInfo
from datetime import datetime as _datetime
value = _datetime(2026, 3, 29, 2, 30, tzinfo=_ZoneInfo('Europe/Paris'))
del _ZoneInfo, _datetime
if __name__ == 'builtins':
    del __builtins__
