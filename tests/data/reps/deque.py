from numpy import array as _array
from collections import deque as _deque
value = _deque([1, _array([0.0, 1.0, 2.0], dtype='float64')], maxlen=5)
del _array, _deque
if __name__ == 'builtins':
    del __builtins__
