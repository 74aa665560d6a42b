from archived.arrays import load_array as _load_array
from archived.reps import string_array as _string_array
from archived.reps import index as _index
from archived.reps import categorical as _categorical
from archived.reps import masked_extension_array as _masked_extension_array
from zoneinfo import ZoneInfo as _ZoneInfo
from archived.reps import datetime_array as _datetime_array
from archived.reps import dataframe as _dataframe
value = _dataframe(
    {
        'x': _load_array('value.h5', 'a0', digest='2270e516d055e309d1711d48798eb60f'),
        'count': _load_array('value.h5', 'a1', digest='46103b18cd2d5f7b830715c901a9b58b'),
        'label': _string_array(
            _load_array('value.h5', 'a2', digest='5ed3abecb3bad478c7079e5dbb1f7cc6'),
            _load_array('value.h5', 'a3', digest='f614421454c09ad8758f2fcf78ff0bad'),
        ),
        'kind': _categorical(
            _load_array('value.h5', 'a4', digest='af081dbc45fc15e94c6cbca36027ac64'),
            _index(_string_array(['c', 'b', 'a'])),
            ordered=True,
        ),
        'maybe': _masked_extension_array(
            _load_array('value.h5', 'a5', digest='3039d965b8832d46bb92d0eaa915ac02'),
            _load_array('value.h5', 'a6', digest='53120ebe2b1c4e406fa573ccb1da6927'),
            'Int64',
        ),
        'when': _datetime_array(
            utc=_load_array('value.h5', 'a7', digest='8285f8905e901988f68e80421c56dbdf'),
            tz=_ZoneInfo('Europe/Paris'),
        ),
        'day': _load_array('value.h5', 'a8', digest='8564ac15f19ad286da31407f2c7a9e3b'),
    },
    index=_index(
        _load_array('value.h5', 'a9', digest='64a3740e613cd72802ce14c9adb3feb8'),
        name='k',
    ),
    attrs={'units': {'x': 'm'}},
)
del _load_array, _string_array, _index, _categorical, _masked_extension_array, _ZoneInfo
del _datetime_array, _dataframe
if __name__ == 'builtins':
    del __builtins__
