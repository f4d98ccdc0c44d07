"""Physics-based performance models: memory, inference, capacity and training.

Every public function is a pure function of numbers (scalars or numpy arrays that
broadcast), documented with units and references, in the style of pvlib. Nothing here
knows about options, money flows or the CLI.
"""
