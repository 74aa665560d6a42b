# archived entry 'square_9839f84520a7f8a8', format 1, data files: []
# ---- info ----
info = {
    'function': 'golden_values.square',
    'version': 'debf77caab6d2532',
    'key': '9839f84520a7f8a82e2830be7ecd40e6',
    'parameters': {'x': 2, 'power': 3},
    'status': 'ok',
    'started': '2026-12-01T23:54:32.438325+00:00',
    'duration': 4.94699997943826e-06,
    'host': 'vm',
    'pid': 6027,
    'python': '3.11.7',
    'numpy': '2.4.6',
    'archived': '0.1.0',
}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
square_9839f84520a7f8a8 = 8
if __name__ == 'builtins':
    del __builtins__
