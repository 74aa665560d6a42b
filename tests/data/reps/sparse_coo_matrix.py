from archived.arrays import load_array as _load_array
from archived.reps import sparse as _sparse
value = _sparse(
    'coo_matrix',
    [
        _load_array('value.h5', 'a0', digest='0fe228b9f41448ec99851d26ee7c561b'),
        _load_array('value.h5', 'a1', digest='5dcca8e9a4b4d8dd3c1b9bc45bc4bfab'),
        _load_array('value.h5', 'a2', digest='bfe558a471c72c8466fe851446641f13'),
    ],
    (40, 50),
)
del _load_array, _sparse
if __name__ == 'builtins':
    del __builtins__
