import { Hero, Page } from '@encore/ui';

export default function Home() {
  return (
    <Page>
      <Hero title={${{ values.title | dump }}} subtitle="Built on the Encore Next.js golden path" />
    </Page>
  );
}
