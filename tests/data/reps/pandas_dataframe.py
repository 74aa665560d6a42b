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
        'x': _load_array('value.h5', 'a0'),
        'count': _load_array('value.h5', 'a1'),
        'label': _string_array(
            _load_array('value.h5', 'a2'),
            _load_array('value.h5', 'a3'),
        ),
        'kind': _categorical(
            _load_array('value.h5', 'a4'),
            _index(_string_array(['c', 'b', 'a'])),
            ordered=True,
        ),
        'maybe': _masked_extension_array(
            _load_array('value.h5', 'a5'),
            _load_array('value.h5', 'a6'),
            'Int64',
        ),
        'when': _datetime_array(
            utc=_load_array('value.h5', 'a7'),
            tz=_ZoneInfo('Europe/Paris'),
        ),
        'day': _load_array('value.h5', 'a8'),
    },
    index=_index(_load_array('value.h5', 'a9'), name='k'),
    attrs={'units': {'x': 'm'}},
)
del _load_array, _string_array, _index, _categorical, _masked_extension_array, _ZoneInfo
del _datetime_array, _dataframe
if __name__ == 'builtins':
    del __builtins__
