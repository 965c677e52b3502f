"""Grids, shapes, rasterized geometry and topology (``fluxoid.meshes``).

This layer knows nothing of solvers: it turns shapes or images into a
:class:`Geometry` (cell masks, sub-cell boundary positions, penetration
depth, holes) that the formulations in :mod:`fluxoid.solvers` discretize.
"""

from .geometry import Geometry, Hole
from .grid import Grid
from .library import (
    bar,
    cylinder,
    from_mask,
    hollow_cylinder,
    plate_with_holes,
    slab,
    square_washer,
)
from .shapes import Annulus, Difference, Disk, Intersection, Polygon, Rectangle, Shape, Union

__all__ = [
    "Geometry", "Hole", "Grid", "Shape", "Disk", "Annulus", "Rectangle", "Polygon", "Union",
    "Intersection", "Difference", "slab", "cylinder", "hollow_cylinder", "bar", "square_washer",
    "plate_with_holes", "from_mask",
]
from .revolution import (  # noqa: E402, I001  bodies of revolution (r, z)
    Coil, RevolutionGeometry, Ring, disk, finite_cylinder, revolution, ring, ring_stack, sphere,
    thin_film_ring, torus, tube,
)
__all__ += ["RevolutionGeometry", "Ring", "Coil", "revolution", "sphere", "finite_cylinder", "disk",
            "tube", "ring", "thin_film_ring", "torus", "ring_stack"]

from .vortex import material_scales, vortex_lattice, with_material  # noqa: E402, I001

__all__ += ["vortex_lattice", "with_material", "material_scales"]
from .conductors import (  # noqa: E402  (currents along z: the transverse problem)
    Band,
    coax,
    coplanar_waveguide,
    coupled_lines,
    microstrip,
    parallel_plates,
    strip,
    wire,
)

__all__ += [
    "Band", "wire", "coax", "strip", "microstrip", "coplanar_waveguide", "coupled_lines",
    "parallel_plates",
]
