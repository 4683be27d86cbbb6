import Link from 'next/link';
import { SessionBadge } from './SessionBadge';
import styles from './SiteHeader.module.css';

/** The bar on every page: the lab's name (home link) and the student's session. */
export function SiteHeader() {
  return (
    <header className={styles.header}>
      <Link href="/" className={styles.brand}>
        <span className={styles.logo} aria-hidden="true">
          ⇄
        </span>
        API Patterns Lab
      </Link>
      <SessionBadge />
    </header>
  );
}
