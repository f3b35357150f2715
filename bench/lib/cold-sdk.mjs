// Cold start of the package: import the built entry, one getTask, exit.
const { LivePortraitClient } = await import(process.env.DIST);
const client = new LivePortraitClient({ apiKey: 'sk-cold', baseURL: process.env.BASE_URL });
await client.getTask('a1c6aa4c-0000-4000-8000-000000000000');
await client.close();
