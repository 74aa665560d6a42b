from fractions import Fraction as _Fraction
value = _Fraction(-1, 3)
del _Fraction
if __name__ == 'builtins':
    del __builtins__
