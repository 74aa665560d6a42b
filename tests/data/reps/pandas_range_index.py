from archived.reps import range_index as _range_index
value = _range_index(2, 10, 2, name='r')
del _range_index
if __name__ == 'builtins':
    del __builtins__
