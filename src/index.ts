import { app } from '@azure/functions';

// The triggers register themselves in src/functions/*.ts (package.json "main" loads them all).
app.setup({ enableHttpStream: false });
