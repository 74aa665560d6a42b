from archived.arrays import load_array as _load_array
from types import SimpleNamespace as _SimpleNamespace
value = _SimpleNamespace(
    mu=1.5,
    grid=_load_array('value.h5', 'a0', digest='52000721f3857b341a43224d92daa261'),
)
del _load_array, _SimpleNamespace
if __name__ == 'builtins':
    del __builtins__
