import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { LabProvider } from '../components/lab/LabProvider';
import { SiteHeader } from '../components/lab/SiteHeader';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'API Patterns Lab', template: '%s · API Patterns Lab' },
  description: 'See REST, gRPC, GraphQL, SSE, WebSocket, MQTT, webhooks and more work on real connections.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <LabProvider>
          <SiteHeader />
          {children}
        </LabProvider>
      </body>
    </html>
  );
}
