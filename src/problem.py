"""Problem files: a cross-section, its material, field and fluxoids, in TOML.

Example (lengths in ``length_unit``, fields in ``field_unit``)::

    length_unit = "um"
    field_unit = "mT"

    [geometry]
    spacing = 0.02
    penetration_depth = 0.2        # or: material = "Nb" and temperature = 4.2 (K)

    [[geometry.shapes]]
    type = "annulus"
    inner_radius = 1.0
    outer_radius = 1.5

    [field]
    applied = 0.5
    fluxoid = [1]

    [solver]
    method = "auto"
    tol = 1e-10

Shapes are added (``op = "add"``, the default) or cut away (``op = "subtract"``)
in order. Every key is checked: an unknown key or a wrong type is an error
that names it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import ProblemFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LENGTH_UNITS = {"m": 1.0, "mm": 1e-3, "um": 1e-6, "nm": 1e-9}
FIELD_UNITS = {"T": 1.0, "mT": 1e-3, "uT": 1e-6, "G": 1e-4}

SHAPE_KEYS = {
    "disk": {"radius": "length", "center": "point"},
    "annulus": {"inner_radius": "length", "outer_radius": "length", "center": "point"},
    "rectangle": {"width": "length", "height": "length", "center": "point", "angle": "number"},
    "polygon": {"vertices": "points"},
}
TOP_KEYS = {"length_unit", "field_unit", "geometry", "field", "solver", "output", "title"}
GEOMETRY_KEYS = {"spacing", "penetration_depth", "periodic", "domain", "shapes", "coherence_length",
                 "material", "temperature"}
FIELD_KEYS = {"applied", "fluxoid", "vortices", "vortex_core"}
SOLVER_KEYS = {"method", "tol", "maxiter", "threads"}
OUTPUT_KEYS = {"directory", "name", "plots"}


def _fail(where: str, msg: str):
    raise ProblemFileError(f"{where}: {msg}")


def _check_keys(table, allowed, where):
    if not isinstance(table, dict):
        _fail(where, f"must be a table, got {type(table).__name__}")
    for k in table:
        if k not in allowed:
            _fail(where, f"unknown key {k!r}; allowed keys are {sorted(allowed)}")


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"must be a number, got {value!r}")
    return float(value)


def _convert(kind, value, where, L):
    if kind == "length":
        return _number(value, where) * L
    if kind == "number":
        return _number(value, where)
    if kind == "point":
        if not isinstance(value, list) or len(value) != 2:
            _fail(where, f"must be a pair [x, y], got {value!r}")
        return tuple(_number(v, where) * L for v in value)
    if kind == "points":
        if not isinstance(value, list) or len(value) < 3:
            _fail(where, "must be a list of at least 3 [x, y] pairs")
        return [_convert("point", v, where, L) for v in value]
    raise AssertionError(kind)


def read_problem(path) -> dict:
    """Parse and validate a problem file; return plain SI values.

    Returns a dict with keys ``shapes`` (list of (op, Shape)), ``spacing``,
    ``penetration_depth``, ``periodic``, ``domain``, ``coherence_length``,
    ``applied_field``, ``fluxoid``, ``vortices``, ``solver`` (dict),
    ``output`` (dict), ``title``.
    """
    from .meshes import shapes as S

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ProblemFileError(f"problem file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ProblemFileError(f"{path}: not valid TOML ({e})") from None
    _check_keys(data, TOP_KEYS, str(path))
    lu = data.get("length_unit", "m")
    fu = data.get("field_unit", "T")
    if lu not in LENGTH_UNITS:
        _fail("length_unit", f"must be one of {list(LENGTH_UNITS)}, got {lu!r}")
    if fu not in FIELD_UNITS:
        _fail("field_unit", f"must be one of {list(FIELD_UNITS)}, got {fu!r}")
    L, F = LENGTH_UNITS[lu], FIELD_UNITS[fu]
    if "geometry" not in data:
        _fail(str(path), "missing the [geometry] table")
    g = data["geometry"]
    _check_keys(g, GEOMETRY_KEYS, "[geometry]")
    for req in ("spacing", "shapes"):
        if req not in g:
            _fail("[geometry]", f"missing key {req!r}")
    if ("penetration_depth" in g) == ("material" in g):
        _fail("[geometry]", "give either penetration_depth or material (with temperature)")
    out = {"title": data.get("title", path.stem)}
    out["spacing"] = _number(g["spacing"], "geometry.spacing") * L
    out["material"] = None
    out["temperature"] = 0.0
    if "material" in g:
        if not isinstance(g["material"], str):
            _fail("geometry.material", f"must be a material name, got {g['material']!r}")
        from . import materials
        from .errors import MaterialError

        try:
            materials.get(g["material"])
        except MaterialError as e:
            _fail("geometry.material", str(e))
        out["material"] = g["material"]
        out["temperature"] = _number(g.get("temperature", 0.0), "geometry.temperature")
        out["penetration_depth"] = None
    else:
        if "temperature" in g:
            _fail("geometry.temperature", "only has a meaning with geometry.material")
        out["penetration_depth"] = _number(g["penetration_depth"], "geometry.penetration_depth") * L
    out["coherence_length"] = (
        _number(g["coherence_length"], "geometry.coherence_length") * L
        if "coherence_length" in g else None
    )
    per = g.get("periodic", [False, False])
    if not (isinstance(per, list) and len(per) == 2 and all(isinstance(p, bool) for p in per)):
        _fail("geometry.periodic", f"must be [bool, bool], got {per!r}")
    out["periodic"] = tuple(per)
    dom = g.get("domain")
    if dom is not None:
        if not isinstance(dom, list) or len(dom) != 4:
            _fail("geometry.domain", "must be [xmin, xmax, ymin, ymax]")
        dom = tuple(_number(v, "geometry.domain") * L for v in dom)
    out["domain"] = dom
    shapes = g["shapes"]
    if not isinstance(shapes, list) or not shapes:
        _fail("geometry.shapes", "must be a non-empty array of tables ([[geometry.shapes]])")
    built = []
    for k, sh in enumerate(shapes):
        where = f"geometry.shapes[{k}]"
        if not isinstance(sh, dict) or "type" not in sh:
            _fail(where, "needs a 'type' (one of " + ", ".join(SHAPE_KEYS) + ")")
        typ = sh["type"]
        if typ not in SHAPE_KEYS:
            _fail(where + ".type", f"unknown shape {typ!r}; known: {list(SHAPE_KEYS)}")
        spec = SHAPE_KEYS[typ]
        _check_keys(sh, set(spec) | {"type", "op"}, where)
        op = sh.get("op", "add")
        if op not in ("add", "subtract"):
            _fail(where + ".op", f"must be 'add' or 'subtract', got {op!r}")
        args = {key: _convert(kind, sh[key], f"{where}.{key}", L) for key, kind in spec.items()
                if key in sh}
        try:
            shape = {
                "disk": lambda a: S.Disk(a["radius"], a.get("center", (0.0, 0.0))),
                "annulus": lambda a: S.Annulus(a["inner_radius"], a["outer_radius"],
                                               a.get("center", (0.0, 0.0))),
                "rectangle": lambda a: S.Rectangle(a["width"], a["height"],
                                                   a.get("center", (0.0, 0.0)), a.get("angle", 0.0)),
                "polygon": lambda a: S.Polygon(a["vertices"]),
            }[typ](args)
        except KeyError as e:
            _fail(where, f"missing key {e.args[0]!r}")
        except ValueError as e:
            _fail(where, str(e))
        built.append((op, shape))
    if built[0][0] != "add":
        _fail("geometry.shapes[0].op", "the first shape must be added")
    out["shapes"] = built
    fld = data.get("field", {})
    _check_keys(fld, FIELD_KEYS, "[field]")
    out["applied_field"] = _number(fld.get("applied", 0.0), "field.applied") * F
    flx = fld.get("fluxoid")
    if flx is not None and (not isinstance(flx, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in flx)):
        _fail("field.fluxoid", f"must be a list of integers, got {flx!r}")
    out["fluxoid"] = flx
    vort = fld.get("vortices")
    if vort is not None:
        if not isinstance(vort, list):
            _fail("field.vortices", "must be a list of [x, y] or [x, y, sign]")
        vv = []
        for v in vort:
            if not isinstance(v, list) or len(v) not in (2, 3):
                _fail("field.vortices", f"each vortex is [x, y] or [x, y, sign], got {v!r}")
            vv.append(tuple(_number(c, "field.vortices") * L for c in v[:2])
                      + ((int(_number(v[2], "field.vortices")),) if len(v) == 3 else ()))
        vort = vv
    out["vortices"] = vort
    core = fld.get("vortex_core", "source")
    if core not in ("source", "hole"):
        _fail("field.vortex_core", f"must be 'source' or 'hole', got {core!r}")
    out["vortex_core"] = core
    sol = data.get("solver", {})
    _check_keys(sol, SOLVER_KEYS, "[solver]")
    if "method" in sol and not isinstance(sol["method"], str):
        _fail("solver.method", "must be a string")
    if "tol" in sol:
        _number(sol["tol"], "solver.tol")
    for key in ("maxiter", "threads"):
        if key in sol and (isinstance(sol[key], bool) or not isinstance(sol[key], int)):
            _fail(f"solver.{key}", f"must be an integer, got {sol[key]!r}")
    out["solver"] = dict(sol)
    o = data.get("output", {})
    _check_keys(o, OUTPUT_KEYS, "[output]")
    for key in ("directory", "name"):
        if key in o and not isinstance(o[key], str):
            _fail(f"output.{key}", "must be a string")
    if "plots" in o and not isinstance(o["plots"], bool):
        _fail("output.plots", "must be true or false")
    out["output"] = dict(o)
    return out


def build_geometry(problem: dict):
    """The Geometry a parsed problem describes."""
    from .meshes.geometry import Geometry
    from .meshes.shapes import Difference, Union

    body = None
    for op, shape in problem["shapes"]:
        if body is None:
            body = shape
        elif op == "add":
            body = Union(body, shape)
        else:
            body = Difference(body, shape)
    if problem["material"] is not None:
        from .meshes.vortex import material_scales, with_material

        lam = material_scales(problem["material"], problem["temperature"])["penetration_depth"]
    else:
        lam = problem["penetration_depth"]
    geo = Geometry.from_shapes(body, penetration_depth=lam, spacing=problem["spacing"],
                               periodic=problem["periodic"], domain=problem["domain"],
                               coherence_length=problem["coherence_length"],
                               name=problem["title"])
    if problem["material"] is not None:
        geo = with_material(geo, problem["material"], problem["temperature"])
    return geo


def run_problem(path, outdir=None, *, echo=print) -> dict:
    """Solve a problem file; write ``.npz``, a JSON summary and PNG maps. Returns the summary."""
    import json

    from .api import solve

    prob = read_problem(path)
    out = Path(outdir or prob["output"].get("directory", "fluxoid-output"))
    name = prob["output"].get("name", Path(path).stem)
    echo(f"building the geometry of {Path(path).name} ...")
    geo = build_geometry(prob)
    echo(f"  {geo}")
    echo("solving ...")
    sol = solve(geo, applied_field=prob["applied_field"], fluxoid=prob["fluxoid"],
                vortices=prob["vortices"], vortex_core=prob["vortex_core"], **prob["solver"])
    out.mkdir(parents=True, exist_ok=True)
    sol.save(out / f"{name}.npz")
    summary = sol.summary()
    (out / f"{name}.json").write_text(json.dumps(summary, indent=2))
    if prob["output"].get("plots", True):
        fig = sol.plot()
        fig.savefig(out / f"{name}.png", dpi=150)
    echo(f"wrote {out / name}.npz, .json" + (", .png" if prob["output"].get("plots", True) else ""))
    return summary
