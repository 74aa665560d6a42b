from archived.reps import string_array as _string_array
from archived.reps import index as _index
from archived.reps import categorical_dtype as _categorical_dtype
value = _categorical_dtype(_index(_string_array(['hi', 'lo'])), ordered=True)
del _string_array, _index, _categorical_dtype
if __name__ == 'builtins':
    del __builtins__
