"""Arrow tables to and from astropy tables, their column metadata kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import astropy.table
    import pyarrow

#: Field metadata that goes to an astropy column's ``meta`` (the rest,
#: ``unit`` and ``description``, has attributes of its own).
META_KEYS = ("ucd", "utype", "xtype")


def astropy_from_arrow(table: pyarrow.Table) -> astropy.table.Table:
    """An astropy table of ``table``'s columns, with units, descriptions and
    UCD/utype/xtype from the fields' metadata and NULLs masked."""
    import astropy.units as u
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from astropy.table import Column, MaskedColumn, Table

    out = Table()
    for field, column in zip(table.schema, table.columns):
        meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if pa.types.is_string_view(column.type) or pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        mask = None
        if column.null_count:
            mask = column.is_null().to_numpy(zero_copy_only=False)
            fill = _fill_value(column.type)
            column = pc.fill_null(column, fill) if fill is not None else column
        values = column.to_numpy(zero_copy_only=False)
        unit = None
        if meta.get("unit"):
            unit = u.Unit(meta["unit"], format="vounit", parse_strict="silent")
        kwargs = dict(
            name=field.name,
            unit=unit,
            description=meta.get("description"),
            meta={k: meta[k] for k in META_KEYS if meta.get(k)},
        )
        if mask is not None:
            out.add_column(MaskedColumn(data=values, mask=np.asarray(mask), **kwargs))
        else:
            out.add_column(Column(data=values, **kwargs))
    return out


def _fill_value(arrow_type: pyarrow.DataType) -> object:
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return False
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return 0
    if pa.types.is_string(arrow_type):
        return ""
    return None


def arrow_from_astropy(table: astropy.table.Table) -> pyarrow.Table:
    """A pyarrow table of an astropy table's columns; units, descriptions and
    UCD/utype/xtype become field metadata, masked values NULLs."""
    import numpy as np
    import pyarrow as pa

    arrays = []
    fields = []
    for name in table.colnames:
        column = table[name]
        values = np.asarray(getattr(column, "value", column))
        if values.dtype.kind == "S":
            values = np.char.decode(values, "utf-8")
        if values.ndim != 1:
            raise ValueError(f"the column {name} holds arrays: uploads hold scalars")
        mask = getattr(column, "mask", None)
        mask = np.asarray(mask) if mask is not None and np.any(mask) else None
        array = pa.array(values, mask=mask)
        metadata = {}
        if getattr(column, "unit", None) is not None:
            metadata["unit"] = column.unit.to_string("vounit")
        if getattr(column.info, "description", None):
            metadata["description"] = str(column.info.description)
        for key in META_KEYS:
            if column.info.meta and column.info.meta.get(key):
                metadata[key] = str(column.info.meta[key])
        arrays.append(array)
        fields.append(pa.field(name, array.type, metadata=metadata or None))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
