import type { Metadata } from 'next';
import { EncoreThemeProvider } from '@encore/ui';
import '@encore/ui/styles.css';

export const metadata: Metadata = {
  title: ${{ values.title | dump }},
  description: ${{ values.description | dump }},
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="${{ values.locales[0] }}">
      <body>
        <EncoreThemeProvider>{children}</EncoreThemeProvider>
      </body>
    </html>
  );
}
