import styles from './ProtocolTags.module.css';

/** The protocols a lesson covers, as small tags. */
export function ProtocolTags({ protocols }: { protocols: readonly string[] }) {
  return (
    <ul className={styles.tags} aria-label="Protocols">
      {protocols.map((p) => (
        <li key={p} className={styles.tag}>
          {p}
        </li>
      ))}
    </ul>
  );
}
