from reps_models import Colour as _Colour
from reps_models import Access as _Access
value = [_Colour.RED, _Access.READ, _Access(3)]
del _Colour, _Access
if __name__ == 'builtins':
    del __builtins__
