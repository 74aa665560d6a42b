from archived.reps import seed_sequence as _seed_sequence
from archived.reps import bit_generator as _bit_generator
from archived.reps import numpy_generator as _numpy_generator
value = _numpy_generator(
    _bit_generator(
        {
            'bit_generator': 'PCG64',
            'state': {
                'state': 218387621341103589143487838986423763037,
                'inc': 204262960972180683513927592736361633863,
            },
            'has_uint32': 0,
            'uinteger': 0,
        },
        _seed_sequence([1, 1180591620717411303424], spawn_key=(4,), pool_size=8),
    ),
)
del _seed_sequence, _bit_generator, _numpy_generator
if __name__ == 'builtins':
    del __builtins__
