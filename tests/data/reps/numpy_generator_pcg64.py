from archived.reps import seed_sequence as _seed_sequence
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_generator as _numpy_generator
value = _numpy_generator(
    _bit_generator(
        {
            'bit_generator': 'PCG64',
            'state': {
                'state': 293806867893707672620306438225642085618,
                'inc': 166944846952538912336722784584526321935,
            },
            'has_uint32': 0,
            'uinteger': 0,
        },
        _seed_sequence(20261202, n_children_spawned=2),
    ),
)
del _seed_sequence, _bit_generator, _numpy_generator
if __name__ == 'builtins':
    del __builtins__
