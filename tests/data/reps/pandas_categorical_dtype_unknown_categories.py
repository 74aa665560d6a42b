from archived.reps import categorical_dtype as _categorical_dtype
value = _categorical_dtype(None)
del _categorical_dtype
if __name__ == 'builtins':
    del __builtins__
