from numpy import array as _array
from archived.reps import index as _index
value = _index(
    _array(['2026-01-01T00:00:00.000000', '2026-01-01T02:00:00.000000', '2026-01-01T04:00:00.000000'], dtype='datetime64[us]'),
    name='t',
    freq='2h',
)
del _array, _index
if __name__ == 'builtins':
    del __builtins__
