"""domeplan geodata: real geography (Natural Earth) into arrays and sparse coverage matrices.

Modules: :mod:`~geodata.naturalearth` (loaders), :mod:`~geodata.geometry` (spherical geometry),
:mod:`~geodata.candidates` (land and sea candidate grids), :mod:`~geodata.coverage` (ground and
space coverage), :mod:`~geodata.orbits` (Walker constellations), :mod:`~geodata.space`
(space figures of merit), :mod:`~geodata.spatial` (spherical-cap index).
Never imports ``planner``, ``models`` or ``reports``.
"""
