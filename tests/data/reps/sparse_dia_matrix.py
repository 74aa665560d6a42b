from numpy import array as _array
from archived.reps import sparse as _sparse
value = _sparse(
    'dia_matrix',
    [_array([[1.0, 2.0, 3.0, 4.0, 5.0]], dtype='float64'), _array([0], dtype='int32')],
    (5, 5),
)
del _array, _sparse
if __name__ == 'builtins':
    del __builtins__
