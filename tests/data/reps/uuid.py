from uuid import UUID as _UUID
value = _UUID('12345678-1234-5678-1234-567812345678')
del _UUID
if __name__ == 'builtins':
    del __builtins__
