from numpy import array as _array
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_generator as _numpy_generator
value = _numpy_generator(
    _bit_generator(
        {
            'bit_generator': 'Philox',
            'state': {
                'counter': _array([0, 0, 0, 0], dtype='uint64'),
                'key': _array([5, 0], dtype='uint64'),
            },
            'buffer': _array([0, 0, 0, 0], dtype='uint64'),
            'buffer_pos': 4,
            'has_uint32': 0,
            'uinteger': 0,
        },
    ),
)
del _array, _bit_generator, _numpy_generator
if __name__ == 'builtins':
    del __builtins__
