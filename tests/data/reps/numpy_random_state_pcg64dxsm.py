from archived.reps import seed_sequence as _seed_sequence
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_random_state as _numpy_random_state
value = _numpy_random_state(
    _bit_generator(
        {
            'bit_generator': 'PCG64DXSM',
            'state': {
                'state': 317905331067121873952675376374933770203,
                'inc': 60804517828637344299932890193562703917,
            },
            'has_uint32': 0,
            'uinteger': 0,
        },
        _seed_sequence(8),
    ),
)
del _seed_sequence, _bit_generator, _numpy_random_state
if __name__ == 'builtins':
    del __builtins__
