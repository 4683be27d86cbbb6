import type { Metadata } from 'next';
import { TimelineBench } from './TimelineBench';

export const metadata: Metadata = {
  title: 'Timeline benchmark · API Patterns Lab',
  robots: { index: false },
};

export default function TimelineBenchPage() {
  return <TimelineBench />;
}
