import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { addressPattern, addressPrefilter } from '../src/erasure.ts';

let database: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

/** Which of `texts` Postgres finds the address in: by the pattern alone, and by the prefilter then the pattern, as erasure asks. */
async function found(address: string, texts: string[]): Promise<{ pattern: string[]; prefiltered: string[]; prefilterOnly: string[] }> {
  const like = addressPrefilter(address);
  const { rows } = await client.query<{ t: string; pattern: boolean; prefilter: boolean }>(
    `SELECT t, t ~* $1 AS pattern, ($2::boolean OR t LIKE ANY($3::text[])) AS prefilter FROM unnest($4::text[]) AS t`,
    [addressPattern(address), like.length === 0, like, texts],
  );
  return {
    pattern: rows.filter((r) => r.pattern).map((r) => r.t),
    prefiltered: rows.filter((r) => r.prefilter && r.pattern).map((r) => r.t),
    prefilterOnly: rows.filter((r) => r.prefilter).map((r) => r.t),
  };
}

describe("erasure's prefilter", () => {
  test('keeps every stored form of a phone number the pattern finds, and only narrows the rows the pattern reads', async () => {
    const texts = [
      'From=%2B33612345678&Body=hi', 'From=whatsapp%3A%2B33612345678', '{"author":"+33612345678"}', 'call me at 33612345678 please',
      'From=%2B336123456789', 'From=%2B133612345678', 'From=%2B33612345679', 'nothing here',
    ];
    const result = await found('whatsapp:+33612345678', texts);
    expect(result.pattern).toEqual(texts.slice(0, 4));
    expect(result.prefiltered).toEqual(result.pattern);
    // Longer numbers that hold the digits pass the prefilter; the pattern then refuses them.
    expect(result.prefilterOnly).toEqual(texts.slice(0, 6));
  });

  test('an email address has no prefilter: its pattern alone decides, whatever the case, in both forms', async () => {
    expect(addressPrefilter('Jane.Doe@example.com')).toEqual([]);
    const texts = ['sender=Jane.Doe%40Example.com', '{"from":"jane.doe@example.com"}', 'To: JANE.DOE@EXAMPLE.COM', 'jane_doe@example.com', 'janexdoe@example.com', 'other@example.com'];
    const result = await found('jane.doe@example.com', texts);
    expect(result.pattern).toEqual(texts.slice(0, 3));
    expect(result.prefiltered).toEqual(result.pattern);
  });

  test("a phone number's prefilter is its digits, without the + or whatsapp: that its stored forms write differently", () => {
    expect(addressPrefilter('whatsapp:+33612345678')).toEqual(['%33612345678%']);
  });
});
