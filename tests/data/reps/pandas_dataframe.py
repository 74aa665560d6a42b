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
        'x': _load_array('value.h5', 'a0', digest='4f4a3528dc546040cd826c0013dce90a'),
        'count': _load_array('value.h5', 'a1', digest='593fc0c02590b7909c65cca78bf608b0'),
        'label': _string_array(
            _load_array('value.h5', 'a2', digest='512a0946b220450dae3e480fbe5d353a'),
            _load_array('value.h5', 'a3', digest='0d412a85fbc737e2eba8e11dc1e04820'),
        ),
        'kind': _categorical(
            _load_array('value.h5', 'a4', digest='32203a9b6b26be61b64468e3a86578a3'),
            _index(_string_array(['c', 'b', 'a'])),
            ordered=True,
        ),
        'maybe': _masked_extension_array(
            _load_array('value.h5', 'a5', digest='bcae49361c5345f1bb61115364f866fc'),
            _load_array('value.h5', 'a6', digest='bddcd25e7502c4ebbe4d15216624405e'),
            'Int64',
        ),
        'when': _datetime_array(
            utc=_load_array('value.h5', 'a7', digest='86e0151ae5d4d682760a31d8139bfd3d'),
            tz=_ZoneInfo('Europe/Paris'),
        ),
        'day': _load_array('value.h5', 'a8', digest='90d03451e876837fb2050ec1400e66c9'),
    },
    index=_index(
        _load_array('value.h5', 'a9', digest='c4cf3ebae1887f248ef8a55bd748ea4a'),
        name='k',
    ),
    attrs={'units': {'x': 'm'}},
)
del _load_array, _string_array, _index, _categorical, _masked_extension_array, _ZoneInfo
del _datetime_array, _dataframe
if __name__ == 'builtins':
    del __builtins__
