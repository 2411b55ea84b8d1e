/**
 * The header row of a data table: one `<th scope="col">` per column, so every table of the
 * console labels its columns the same way (screen readers announce them with each cell).
 * @module
 */

/** `<thead>` with a column header per name. */
export function ColumnHeads({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
