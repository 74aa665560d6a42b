from archived.reps import masked as _masked
value = [_masked()]
del _masked
if __name__ == 'builtins':
    del __builtins__
