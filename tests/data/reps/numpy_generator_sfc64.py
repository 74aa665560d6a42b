from numpy import array as _array
from archived.reps import seed_sequence as _seed_sequence
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_generator as _numpy_generator
value = _numpy_generator(
    _bit_generator(
        {
            'bit_generator': 'SFC64',
            'state': {
                'state': _array([16382569367148151393, 13655545141158083296, 16632329132100692696, 13], dtype='uint64'),
            },
            'has_uint32': 0,
            'uinteger': 0,
        },
        _seed_sequence(3),
    ),
)
del _array, _seed_sequence, _bit_generator, _numpy_generator
if __name__ == 'builtins':
    del __builtins__
