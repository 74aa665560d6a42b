from archived.arrays import load_array as _load_array
from archived.reps import seed_sequence as _seed_sequence
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_generator as _numpy_generator
value = _numpy_generator(
    _bit_generator(
        {
            'bit_generator': 'MT19937',
            'state': {
                'key': _load_array('value.h5', 'a0', digest='f284e1e2edbd9d0e35d30959f82c8d26'),
                'pos': 623,
            },
        },
        _seed_sequence(3),
    ),
)
del _load_array, _seed_sequence, _bit_generator, _numpy_generator
if __name__ == 'builtins':
    del __builtins__
