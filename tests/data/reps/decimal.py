from decimal import Decimal as _Decimal
value = [_Decimal('3.14159'), _Decimal('-0'), _Decimal('NaN')]
del _Decimal
if __name__ == 'builtins':
    del __builtins__
