from archived.arrays import load_array as _load_array
from archived.reps import python_random as _python_random
value = _python_random(
    _load_array('value.h5', 'a0', digest='09092e8f0f5228bf2ca4662ee2aa2b4f'),
    2,
)
del _load_array, _python_random
if __name__ == 'builtins':
    del __builtins__
