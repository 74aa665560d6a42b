from numpy import array as _array
from archived.reps import matrix as _matrix
value = _matrix(_array([[1.0, 2.0], [3.0, 4.0]], dtype='float64'))
del _array, _matrix
if __name__ == 'builtins':
    del __builtins__
