import styles from './widgets.module.css';

interface Cell {
  label: string;
  href: string;
}

/** Which way each protocol can stream, each entry linking to the experiment where you can watch it. */
const ROWS: { direction: string; cells: Cell[] }[] = [
  {
    direction: 'Server → client',
    cells: [
      { label: 'SSE: an event stream over one response', href: '/lessons/sse' },
      { label: 'WebSocket: server pushes messages', href: '/lessons/websocket' },
      { label: 'gRPC server streaming', href: '/lessons/grpc' },
      { label: 'A streamed HTTP response (tokens, export)', href: '#tokens' },
    ],
  },
  {
    direction: 'Client → server',
    cells: [
      { label: 'WebSocket: client sends messages', href: '/lessons/websocket' },
      { label: 'gRPC client streaming', href: '/lessons/grpc' },
      { label: 'An upload: one streamed body, or parts', href: '#uploads' },
    ],
  },
  {
    direction: 'Both ways at once',
    cells: [
      { label: 'WebSocket: full duplex on one connection', href: '/lessons/websocket' },
      { label: 'gRPC bidirectional streaming', href: '/lessons/grpc' },
    ],
  },
];

export function DirectionsMap() {
  return (
    <table className={styles.map} data-testid="directions-map">
      <thead>
        <tr>
          <th scope="col">Direction</th>
          <th scope="col">Where to see it stream</th>
        </tr>
      </thead>
      <tbody>
        {ROWS.map((row) => (
          <tr key={row.direction}>
            <th scope="row">{row.direction}</th>
            <td>
              <ul>
                {row.cells.map((cell) => (
                  <li key={cell.label}>
                    <a href={cell.href}>{cell.label}</a>
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
