from datetime import date as _date
value = _date(2026, 12, 1)
del _date
if __name__ == 'builtins':
    del __builtins__
