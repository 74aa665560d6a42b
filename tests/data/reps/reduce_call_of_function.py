from numpy import array as _array
from reps_models import make_pair as _make_pair
value = _make_pair('x', _array([0, 1, 2], dtype='int64'))
del _array, _make_pair
if __name__ == 'builtins':
    del __builtins__
