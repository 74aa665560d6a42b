from numpy import array as _array
from archived.reps import sparse as _sparse
value = _sparse(
    'dok_matrix',
    [
        _array([0.7458113002141488], dtype='float64'),
        _array([2], dtype='int32'),
        _array([0], dtype='int32'),
    ],
    (5, 5),
)
del _array, _sparse
if __name__ == 'builtins':
    del __builtins__
