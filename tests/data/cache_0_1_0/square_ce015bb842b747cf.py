# archived entry 'square_ce015bb842b747cf', format 1, data files: []
# ---- info ----
info = {
    'function': 'golden_values.square',
    'version': 'debf77caab6d2532',
    'key': 'ce015bb842b747cf5df781b45df29c6f',
    'parameters': {'x': 3, 'power': 2},
    'status': 'ok',
    'started': '2026-12-01T23:54:32.434706+00:00',
    'duration': 3.7259999317029724e-06,
    'host': 'vm',
    'pid': 6027,
    'python': '3.11.7',
    'numpy': '2.4.6',
    'archived': '0.1.0',
}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
square_ce015bb842b747cf = 9
if __name__ == 'builtins':
    del __builtins__
