from archived.reps import string_array as _string_array
from archived.reps import series as _series
value = _series(_string_array(['a', None], na='NA'))
del _string_array, _series
if __name__ == 'builtins':
    del __builtins__
