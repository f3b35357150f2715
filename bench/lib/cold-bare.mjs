// The same request from bare node: global fetch, no package.
const answer = await fetch(`${process.env.BASE_URL}/tasks/a1c6aa4c-0000-4000-8000-000000000000`, {
  headers: { authorization: 'Bearer sk-cold' },
});
await answer.json();
