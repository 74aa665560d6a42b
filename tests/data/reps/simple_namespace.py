from archived.arrays import load_array as _load_array
from types import SimpleNamespace as _SimpleNamespace
value = _SimpleNamespace(
    mu=1.5,
    grid=_load_array('value.h5', 'a0', digest='736ea0b4652d8e329dd47fa134ccafa4'),
)
del _load_array, _SimpleNamespace
if __name__ == 'builtins':
    del __builtins__
