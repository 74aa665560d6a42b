from archived.reps import timedelta as _timedelta
value = [_timedelta(86402000000, 'us'), _timedelta(5, 'ns')]
del _timedelta
if __name__ == 'builtins':
    del __builtins__
